// Must not compile: core/ is shared by every program and sees none of them.
#include "admin_store.h"
