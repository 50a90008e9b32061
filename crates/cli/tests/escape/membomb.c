/* Allocate and touch memory 1 MiB at a time, up to 1 GiB. */
#include "verdict.h"
#include <sys/mman.h>

int main(void)
{
	int mib;
	for (mib = 0; mib < 1024; mib++) {
		char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			printf("refused: mmap errno=%d (%s) after %d MiB\n", errno, strerrorname_np(errno), mib);
			return 0;
		}
		memset(p, 0x5a, 1 << 20);
	}
	printf("ESCAPED: touched %d MiB\n", mib);
	return 1;
}
