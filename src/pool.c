/* pool.c: placeholder */
#include "weft.h"
int
pool_main(int argc, char **argv)
{
	return 3;
}
