/* Mount a tmpfs over /tmp. */
#include "verdict.h"

int main(void)
{
	verdict("mount(tmpfs, /tmp)", syscall(SYS_mount, "none", "/tmp", "tmpfs", 0UL, NULL));
}
