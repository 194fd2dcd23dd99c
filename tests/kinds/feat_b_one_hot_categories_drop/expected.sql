WITH "src" AS (
  SELECT * FROM read_csv(['$CASE/input.csv'], header = true)
)
SELECT __in.* EXCLUDE ("category"), CASE WHEN CAST(__in."category" AS VARCHAR) = 'Books' THEN 1 ELSE 0 END AS "category_Books", CASE WHEN CAST(__in."category" AS VARCHAR) = 'Home & Kitchen' THEN 1 ELSE 0 END AS "category_Home_Kitchen", CASE WHEN __in."category" IS NOT NULL AND NOT list_contains(CAST(['Books', 'Home & Kitchen'] AS VARCHAR[]), CAST(__in."category" AS VARCHAR)) THEN 1 ELSE 0 END AS "category_other" FROM "src" AS __in
