/* proto.c: placeholder */
#include "weft.h"
