/* proctitle.c: placeholder */
#include "weft.h"
void proctitle_init(int argc, char **argv) { (void)argc; (void)argv; }
