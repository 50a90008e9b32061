/* Attach to a sibling: a process whose parent is the sandbox's init, like ours. */
#include "verdict.h"
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(void)
{
	int fds[2];
	pid_t sibling = 0;
	if (pipe(fds) != 0)
		return 2;
	pid_t middle = fork();
	if (middle == 0) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
		/* Leave the grandchild to init: it becomes our sibling. */
		if (write(fds[1], &p, sizeof p) != sizeof p)
			_exit(2);
		_exit(0);
	}
	waitpid(middle, NULL, 0);
	if (read(fds[0], &sibling, sizeof sibling) != sizeof sibling || sibling <= 0)
		return 2;
	long r = syscall(SYS_ptrace, PTRACE_ATTACH, sibling, 0, 0);
	int err = errno;
	kill(sibling, SIGKILL);
	errno = err;
	verdict("ptrace(PTRACE_ATTACH, sibling)", r);
}
