#include "predict/engine.h"

namespace nifty::predict {

Engine::~Engine() = default;

}  // namespace nifty::predict
