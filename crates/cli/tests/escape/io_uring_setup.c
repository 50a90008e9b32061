/* Set up an io_uring instance. */
#include "verdict.h"
#include <linux/io_uring.h>

int main(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	verdict("io_uring_setup(8)", syscall(SYS_io_uring_setup, 8, &p));
}
