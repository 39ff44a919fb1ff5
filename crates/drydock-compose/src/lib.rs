//! A Compose file parser with positions (saphyr), interpolation, extends/include, and its conversion into ContainerSpec.
