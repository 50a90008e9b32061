/* Detach the sandbox's /tmp to look underneath. */
#include "verdict.h"
#include <sys/mount.h>

int main(void)
{
	verdict("umount2(/tmp, MNT_DETACH)", syscall(SYS_umount2, "/tmp", MNT_DETACH));
}
