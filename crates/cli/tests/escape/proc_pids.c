/* List the processes /proc shows. */
#include "verdict.h"
#include <ctype.h>
#include <dirent.h>

int main(void)
{
	DIR *d = opendir("/proc");
	if (!d)
		refused("opendir(/proc)", errno);
	char line[4096] = "visible pids:";
	struct dirent *e;
	while ((e = readdir(d))) {
		if (isdigit((unsigned char)e->d_name[0]) && strlen(line) + strlen(e->d_name) + 2 < sizeof line) {
			strcat(line, " ");
			strcat(line, e->d_name);
		}
	}
	puts(line);
	return 0;
}
