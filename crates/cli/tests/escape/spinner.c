/* Spin on the CPU for ever. Arguments are ignored: the test passes a marker it then looks
 * for among the host's processes. */
int main(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}
