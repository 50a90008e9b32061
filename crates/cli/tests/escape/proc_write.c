/* Write to a /proc file that acts on the host (sysrq, sysctls). */
#include "verdict.h"
#include <fcntl.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int fd = open(argv[1], O_WRONLY);
	if (fd < 0)
		refused("open(O_WRONLY)", errno);
	long n = write(fd, argv[2], strlen(argv[2]));
	verdict("write", n < 0 ? -1 : n);
}
