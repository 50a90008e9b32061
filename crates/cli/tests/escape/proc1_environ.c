/* Read the sandbox init's environment, which it inherited from the host, through /proc. */
#include "verdict.h"
#include <fcntl.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = open("/proc/1/environ", O_RDONLY);
	if (fd < 0)
		refused("open(/proc/1/environ)", errno);
	static char buf[1 << 16];
	long n = read(fd, buf, sizeof buf - 1);
	if (n < 0)
		refused("read(/proc/1/environ)", errno);
	for (long i = 0; i < n; i++) {
		if (!strncmp(buf + i, "JW_SECRET=", 10) || !strncmp(buf + i, argv[1], strlen(argv[1]))) {
			printf("ESCAPED: /proc/1/environ holds the secret\n");
			return 1;
		}
	}
	printf("not visible: /proc/1/environ read, %ld bytes without the secret\n", n);
	return 0;
}
