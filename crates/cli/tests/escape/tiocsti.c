/* Push a command into the input queue of the terminal on stdin (TIOCSTI). */
#include "verdict.h"
#include <sys/ioctl.h>

int main(void)
{
	if (!isatty(0)) {
		printf("setup: stdin is not a terminal\n");
		return 2;
	}
	const char *inject = "id\n";
	for (const char *c = inject; *c; c++) {
		if (syscall(SYS_ioctl, 0, TIOCSTI, c) == -1)
			refused("ioctl(stdin, TIOCSTI)", errno);
	}
	escaped("ioctl(stdin, TIOCSTI)", 0);
}
