/* Open a userfaultfd for user-mode page faults only. */
#include "verdict.h"
#include <fcntl.h>
#include <linux/userfaultfd.h>

int main(void)
{
	verdict("userfaultfd(UFFD_USER_MODE_ONLY)",
		syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY));
}
