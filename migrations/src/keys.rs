//! Foreign keys as the newer migrations declare them (the older ones keep their own copies,
//! since a migration that ran is never edited).

use sea_orm_migration::prelude::*;

/// `table.from` references `to_table.to_col`; deleting the referenced row deletes this one.
pub fn cascade(table: impl IntoIden, from: impl IntoIden, to_table: impl IntoIden, to_col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(table, from).to(to_table, to_col).on_delete(ForeignKeyAction::Cascade).to_owned()
}
