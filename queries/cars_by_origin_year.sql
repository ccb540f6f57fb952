-- Cars: mean fuel economy by origin and model year (a line chart: year on x, mpg on y, one line per origin).
SELECT year("Year") AS model_year, Origin,
       round(avg(Miles_per_Gallon), 2) AS mean_mpg,
       count(*) AS cars,
       count(*) FILTER (WHERE Miles_per_Gallon IS NULL) AS missing_mpg
FROM cars
GROUP BY ALL
ORDER BY model_year, Origin;
