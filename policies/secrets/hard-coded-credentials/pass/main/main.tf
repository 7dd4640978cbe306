variable "db_password" {
  type      = string
  sensitive = true
}

resource "random_password" "sql" {
  length = 24
}

resource "aws_db_instance" "db" {
  identifier     = "db"
  engine         = "postgres"
  instance_class = "db.t3.micro"
  username       = "app"
  password       = var.db_password
}

resource "azurerm_mssql_server" "sql" {
  name                         = "sql"
  resource_group_name          = "rg"
  location                     = "westeurope"
  version                      = "12.0"
  administrator_login          = "sqladmin"
  administrator_login_password = random_password.sql.result
}

resource "aws_db_instance" "managed" {
  identifier                  = "managed"
  engine                      = "postgres"
  instance_class              = "db.t3.micro"
  username                    = "app"
  manage_master_user_password = true
}
