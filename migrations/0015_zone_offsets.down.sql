DROP TABLE zone_offsets;
