/* getpid through the x32 ABI (syscall number with bit 0x40000000), from a second thread: a
 * filter that kills only the calling thread would let the process go on and say so. */
#include "verdict.h"
#include <pthread.h>

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
	pthread_t t;
	if (pthread_create(&t, NULL, call, NULL) != 0)
		return 2;
	pthread_join(t, NULL);
	printf("ESCAPED: the process outlived the x32 call\n");
	return 1;
}
