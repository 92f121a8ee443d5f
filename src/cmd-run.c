/* cmd-run.c: placeholder */
#include "weft.h"
int
cmd_run(int argc, char **argv)
{
	return 3;
}
