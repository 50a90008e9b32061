/* Leave a setuid or setgid executable in a writable bind, one way per run:
 *   setuid_file chmod|fchmod|fchmodat|open|openat|creat|mknod|openat2 DIR
 * The file itself may be created (a plain 0755 copy is fine); the set-id bit must not stick. */
#include "verdict.h"
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	const char *how = argv[1];
	char path[4096];
	snprintf(path, sizeof path, "%s/suid", argv[2]);
	mode_t mode = S_ISUID | S_ISGID | 0755;
	long r;
	if (strcmp(how, "open") == 0 || strcmp(how, "openat") == 0 || strcmp(how, "creat") == 0 ||
	    strcmp(how, "mknod") == 0 || strcmp(how, "openat2") == 0) {
		if (strcmp(how, "open") == 0)
			r = syscall(SYS_open, path, O_CREAT | O_WRONLY, mode);
		else if (strcmp(how, "openat") == 0)
			r = syscall(SYS_openat, AT_FDCWD, path, O_CREAT | O_WRONLY, mode);
		else if (strcmp(how, "creat") == 0)
			r = syscall(SYS_creat, path, mode);
		else if (strcmp(how, "mknod") == 0)
			r = syscall(SYS_mknod, path, S_IFREG | mode, 0);
		else {
			struct open_how oh = { .flags = O_CREAT | O_WRONLY, .mode = mode };
			r = syscall(SYS_openat2, AT_FDCWD, path, &oh, sizeof oh);
		}
		if (r == -1)
			refused(how, errno);
	} else {
		int fd = open(path, O_CREAT | O_WRONLY, 0755);
		if (fd < 0) {
			printf("setup failed: %s\n", strerror(errno));
			return 3;
		}
		if (strcmp(how, "chmod") == 0)
			r = syscall(SYS_chmod, path, mode);
		else if (strcmp(how, "fchmod") == 0)
			r = syscall(SYS_fchmod, fd, mode);
		else
			r = syscall(SYS_fchmodat, AT_FDCWD, path, mode);
		if (r == -1)
			refused(how, errno);
	}
	struct stat st;
	if (stat(path, &st) == 0 && (st.st_mode & (S_ISUID | S_ISGID)) == 0)
		refused("the set-id bits did not stick", 0);
	escaped(how, r);
}
