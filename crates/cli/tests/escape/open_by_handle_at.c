/* Open a file by handle (the "shocker" escape): inode 2, the root of most ext filesystems. */
#include "verdict.h"
#include <fcntl.h>

int main(void)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[8];
	} h;
	memset(&h, 0, sizeof h);
	h.fh.handle_bytes = 8;
	h.fh.handle_type = 1; /* FILEID_INO32_GEN */
	h.bytes[0] = 2;
	int mnt = open("/", O_RDONLY | O_DIRECTORY);
	verdict("open_by_handle_at(/, ino 2)",
		syscall(SYS_open_by_handle_at, mnt, &h.fh, O_RDONLY));
}
