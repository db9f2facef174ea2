DROP TABLE batch_checks;
