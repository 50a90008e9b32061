/* Write to PATH (created if missing). */
#include "verdict.h"
#include <fcntl.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		refused("open(O_WRONLY)", errno);
	verdict("write", write(fd, "escaped\n", 8) == 8 ? 0 : -1);
}
