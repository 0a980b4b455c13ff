#pragma once
// The mpi backend family, in a library of its own (parlab::mpi), so that a program embedding the
// engine links MPI only when it asks for it: add_backend_family(parlab::mpi_family()) makes
// `mpi` and `mpi+BACKEND` findable by name. MPI is initialised when such a backend is first
// used, never by linking or registering.
#include "parlab/registry.hpp"

namespace parlab {

backend_family mpi_family();

}  // namespace parlab
