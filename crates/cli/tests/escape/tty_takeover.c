/* Take over a terminal that is nobody's controlling terminal, inject input into it and leave
 * it broken: the attacks of a plugin whose stdin is a pty that a supervisor opened without
 * making it a controlling terminal. One line per attempt; exit 1 if any attempt worked. */
#include "verdict.h"
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>

static int escapes;

static void attempt(const char *what, long ret)
{
	if (ret == -1) {
		const char *name = strerrorname_np(errno);
		printf("refused: %s errno=%d (%s)\n", what, errno, name ? name : "?");
	} else {
		printf("ESCAPED: %s returned %ld\n", what, ret);
		escapes++;
	}
}

int main(void)
{
	if (!isatty(0)) {
		printf("setup: stdin is not a terminal\n");
		return 2;
	}
	/* Make it ours (arg 0: no stealing needed, nobody owns it), then push a command. */
	setsid();
	attempt("ioctl(stdin, TIOCSCTTY, 0)", syscall(SYS_ioctl, 0, TIOCSCTTY, 0));
	char c = '#';
	attempt("ioctl(stdin, TIOCSTI)", syscall(SYS_ioctl, 0, TIOCSTI, &c));
	/* The kernel reads the request as 32 bits: a filter that compares 64 misses this. */
	attempt("ioctl(stdin, TIOCSTI | 1 << 32)",
		syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32), &c));
	char sel[8] = { 2 }; /* TIOCL_SETSEL */
	attempt("ioctl(stdin, TIOCLINUX)", syscall(SYS_ioctl, 0, TIOCLINUX, sel));
	attempt("ioctl(stdin, TIOCCONS)", syscall(SYS_ioctl, 0, TIOCCONS, 0));
	/* Leave it broken. */
	struct termios t;
	if (tcgetattr(0, &t) == 0) {
		t.c_lflag &= ~(ECHO | ICANON);
		attempt("ioctl(stdin, TCSETS) without ECHO and ICANON",
			syscall(SYS_ioctl, 0, TCSETS, &t));
	}
	int ldisc = 27; /* N_NULL */
	attempt("ioctl(stdin, TIOCSETD, N_NULL)", syscall(SYS_ioctl, 0, TIOCSETD, &ldisc));
	attempt("ioctl(stdin, TIOCEXCL)", syscall(SYS_ioctl, 0, TIOCEXCL, 0));
	struct winsize w = { .ws_row = 1, .ws_col = 1 };
	attempt("ioctl(stdin, TIOCSWINSZ, 1x1)", syscall(SYS_ioctl, 0, TIOCSWINSZ, &w));
	/* Not an ioctl: the launcher must put it back. */
	int fl = fcntl(0, F_GETFL);
	if (fcntl(0, F_SETFL, fl | O_NONBLOCK) == 0)
		printf("changed: O_NONBLOCK on stdin\n");
	fflush(stdout);
	/* Last: when it works, the verdict itself cannot get out (and the run times out). */
	long r = syscall(SYS_ioctl, 0, TCXONC, TCOOFF);
	attempt("ioctl(stdin, TCXONC, TCOOFF)", r);
	return escapes ? 1 : 0;
}
