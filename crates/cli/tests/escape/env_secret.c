/* Look for JW_SECRET, or its value (argv[1]), in our environment. */
#include "verdict.h"

extern char **environ;

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	int n = 0;
	for (char **e = environ; *e; e++, n++) {
		if (!strncmp(*e, "JW_SECRET=", 10) || strstr(*e, argv[1])) {
			printf("ESCAPED: environ holds %s\n", *e);
			return 1;
		}
	}
	printf("not visible: JW_SECRET is not among %d environment entries\n", n);
	return 0;
}
