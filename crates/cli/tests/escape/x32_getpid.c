/* getpid through the x32 ABI (syscall number with bit 0x40000000), from a second thread: a
 * filter that kills only the calling thread would let the process go on and say so. */
#include "verdict.h"

static void *call(void *arg)
{
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(0x40000000L | 39)
			 : "rcx", "r11", "memory");
	printf("ESCAPED: x32 getpid returned %ld\n", r);
	fflush(stdout);
	return arg;
}

int main(void)
{
	return outlive(call, "x32");
}
