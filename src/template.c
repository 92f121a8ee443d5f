/* template.c: placeholder, being written */
#include "weft.h"
