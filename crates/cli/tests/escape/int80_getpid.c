/* getpid through the i386 ABI (int $0x80, number 20) from a 64-bit process, from a second
 * thread: a filter that kills only the calling thread would let the process go on. */
#include "verdict.h"
#include <pthread.h>

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
	pthread_t t;
	if (pthread_create(&t, NULL, call, NULL) != 0)
		return 2;
	pthread_join(t, NULL);
	printf("ESCAPED: the process outlived the int $0x80 call\n");
	return 1;
}
