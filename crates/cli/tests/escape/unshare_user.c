/* Become root of a new user namespace. */
#include "verdict.h"
#include <sched.h>

int main(void)
{
	verdict("unshare(CLONE_NEWUSER)", syscall(SYS_unshare, CLONE_NEWUSER));
}
