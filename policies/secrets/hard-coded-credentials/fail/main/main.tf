variable "db_password" {
  type    = string
  default = "changeme-now"
}

resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/fn"
  handler       = "index.handler"
  runtime       = "python3.12"

  environment {
    variables = {
      access_key = "AKIAIOSFODNN7EXAMPLE" # expect: SEC101
      region     = "eu-west-1"
    }
  }
}

resource "aws_db_instance" "db" {
  identifier     = "db"
  engine         = "postgres"
  instance_class = "db.t3.micro"
  username       = "app"
  password       = var.db_password # expect: SEC101
}

resource "azurerm_mssql_server" "sql" {
  name                         = "sql"
  resource_group_name          = "rg"
  location                     = "westeurope"
  version                      = "12.0"
  administrator_login          = "sqladmin"
  administrator_login_password = "AdminPassword123!" # expect: SEC101
}
