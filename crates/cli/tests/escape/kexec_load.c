/* Load a (empty) kernel to boot into. */
#include "verdict.h"
#include <linux/kexec.h>

int main(void)
{
	verdict("kexec_load(0 segments)", syscall(SYS_kexec_load, 0UL, 0UL, NULL, KEXEC_ARCH_DEFAULT));
}
