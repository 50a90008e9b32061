/* Load a kernel module (an empty image). */
#include "verdict.h"

int main(void)
{
	static char image[64];
	verdict("init_module(64 bytes)", syscall(SYS_init_module, image, sizeof image, ""));
}
