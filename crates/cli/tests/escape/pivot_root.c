/* Swap the root for /tmp. */
#include "verdict.h"

int main(void)
{
	verdict("pivot_root(/tmp, /tmp)", syscall(SYS_pivot_root, "/tmp", "/tmp"));
}
