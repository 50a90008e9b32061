/* Take the terminal on stdin as our controlling terminal (stealing it, arg 1), the step
 * before TIOCSTI would work again. */
#include "verdict.h"
#include <sys/ioctl.h>

int main(void)
{
	if (!isatty(0)) {
		printf("setup: stdin is not a terminal\n");
		return 2;
	}
	verdict("ioctl(stdin, TIOCSCTTY, 1)", syscall(SYS_ioctl, 0, TIOCSCTTY, 1));
}
