SELECT * FROM "__sluice_fetch_under_test"
