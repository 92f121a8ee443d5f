/* cmd-check.c: placeholder */
#include "weft.h"
int
cmd_check(int argc, char **argv)
{
	return 3;
}
