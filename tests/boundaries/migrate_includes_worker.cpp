// Must not compile: chat-migrate needs no worker setting, so it cannot read the worker's configuration.
#include "worker_config.h"
