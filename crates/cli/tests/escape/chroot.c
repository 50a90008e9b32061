/* chroot into /tmp. */
#include "verdict.h"

int main(void)
{
	verdict("chroot(/tmp)", syscall(SYS_chroot, "/tmp"));
}
