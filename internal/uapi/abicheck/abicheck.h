#ifndef SCANOUT_ABICHECK_H
#define SCANOUT_ABICHECK_H
#include <stddef.h>
#include <stdint.h>

struct abi_field {
	const char *strct;  /* C struct name without "struct " */
	const char *field;  /* "" for the whole struct's size entry */
	size_t off;
	size_t size;
};

struct abi_ioctl {
	const char *name;
	uint64_t num;
};

#define ABI_SIZE(S) { #S, "", 0, sizeof(struct S) }
#define ABI_FIELD(S, F) { #S, #F, offsetof(struct S, F), sizeof(((struct S *)0)->F) }
#define ABI_IOCTL(N) { #N, (uint64_t)(N) }
#define ABI_LEN(a) (sizeof(a) / sizeof((a)[0]))
#endif
