// Torch's thread count is process-wide and tests compare results bit for bit at a fixed count: run test classes one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
