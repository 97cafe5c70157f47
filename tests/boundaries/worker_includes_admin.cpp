// Must not compile: chat-worker sees its own folder and core/, never the admin's code.
#include "admin_api.h"
