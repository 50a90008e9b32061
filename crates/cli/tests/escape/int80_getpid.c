/* getpid through the i386 ABI (int $0x80, number 20) from a 64-bit process, from a second
 * thread: a filter that kills only the calling thread would let the process go on. */
#include "verdict.h"

static void *call(void *arg)
{
	long r;
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(20L)
			 : "r8", "r9", "r10", "r11", "memory");
	printf("ESCAPED: i386 getpid returned %ld\n", r);
	fflush(stdout);
	return arg;
}

int main(void)
{
	return outlive(call, "int $0x80");
}
