#ifndef PROTO_H
#define PROTO_H
#endif
