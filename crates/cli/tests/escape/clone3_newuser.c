/* clone3(2), whose flags live in memory where seccomp cannot read them. */
#include "verdict.h"
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>

int main(void)
{
	struct clone_args args;
	memset(&args, 0, sizeof args);
	args.flags = CLONE_NEWUSER;
	args.exit_signal = SIGCHLD;
	long r = syscall(SYS_clone3, &args, sizeof args);
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid(r, NULL, 0);
	verdict("clone3(CLONE_NEWUSER)", r);
}
