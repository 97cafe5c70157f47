// Must not compile: chat-admin sees its own folder and core/, never the worker's code.
#include "api/api.h"
