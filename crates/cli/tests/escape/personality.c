/* Switch off address-space randomisation for our children. */
#include "verdict.h"
#include <sys/personality.h>

int main(void)
{
	long r = syscall(SYS_personality, ADDR_NO_RANDOMIZE);
	int err = errno;
	/* Success returns the old persona; querying with 0xffffffff shows whether it stuck. */
	long now = syscall(SYS_personality, 0xffffffffUL);
	if (r == -1 && now != -1 && (now & ADDR_NO_RANDOMIZE)) {
		printf("ESCAPED: personality(ADDR_NO_RANDOMIZE) failed but is in effect\n");
		return 1;
	}
	errno = err;
	verdict("personality(ADDR_NO_RANDOMIZE)", r);
}
