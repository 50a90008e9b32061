/* Raise CAP_SYS_ADMIN into the ambient set, which survives execve. */
#include "verdict.h"
#include <linux/capability.h>
#include <sys/prctl.h>

int main(void)
{
	verdict("prctl(PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN)",
		syscall(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_SYS_ADMIN, 0, 0));
}
