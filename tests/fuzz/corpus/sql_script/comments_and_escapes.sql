CREATE TABLE a (x INT); -- c;
# h;
/* b; */ INSERT INTO a VALUES ('it\'s;', 'it''s');
/*!40101 SET @x=1 */;