/* Become uid 0. */
#include "verdict.h"

int main(void)
{
	long r = syscall(SYS_setuid, 0);
	if (r == 0 || getuid() == 0 || geteuid() == 0)
		escaped("setuid(0)", getuid());
	verdict("setuid(0)", r);
}
