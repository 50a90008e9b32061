/* clone(2) straight into a new user namespace. */
#include "verdict.h"
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>

int main(void)
{
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid(r, NULL, 0);
	verdict("clone(CLONE_NEWUSER)", r);
}
