#pragma once
// The whole public API of the parlab engine.
#include "parlab/backend.hpp"
#include "parlab/error.hpp"
#include "parlab/hot_loop.hpp"
#include "parlab/huge_array.hpp"
#include "parlab/index_range.hpp"
#include "parlab/kernel.hpp"
#include "parlab/parallel_reduce.hpp"
#include "parlab/params.hpp"
#include "parlab/reduce_task.hpp"
#include "parlab/registry.hpp"
#include "parlab/staged_run.hpp"
#include "parlab/wait.hpp"
